build-cross-s390x/formats/ota_err.o: formats/ota_err.c formats/ota_err.h \
 formats/../client/include/ota/err.h
formats/ota_err.h:
formats/../client/include/ota/err.h:

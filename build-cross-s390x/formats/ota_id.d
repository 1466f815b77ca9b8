build-cross-s390x/formats/ota_id.o: formats/ota_id.c formats/ota_id.h \
 formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_limits.h
formats/ota_id.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:

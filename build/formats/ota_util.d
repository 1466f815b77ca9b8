build/formats/ota_util.o: formats/ota_util.c formats/ota_util.h \
 formats/ota_err.h
formats/ota_util.h:
formats/ota_err.h:

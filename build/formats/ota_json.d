build/formats/ota_json.o: formats/ota_json.c formats/ota_json.h \
 formats/ota_err.h formats/ota_limits.h formats/ota_util.h
formats/ota_json.h:
formats/ota_err.h:
formats/ota_limits.h:
formats/ota_util.h:

build/formats/ota_key.o: formats/ota_key.c formats/ota_key.h \
 formats/ota_err.h formats/ota_limits.h formats/ota_json.h \
 formats/ota_pkey.h formats/ota_util.h
formats/ota_key.h:
formats/ota_err.h:
formats/ota_limits.h:
formats/ota_json.h:
formats/ota_pkey.h:
formats/ota_util.h:

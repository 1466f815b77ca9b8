build/formats/ota_tuf.o: formats/ota_tuf.c formats/ota_tuf.h \
 formats/ota_err.h formats/ota_key.h formats/ota_limits.h \
 formats/ota_json.h formats/ota_util.h
formats/ota_tuf.h:
formats/ota_err.h:
formats/ota_key.h:
formats/ota_limits.h:
formats/ota_json.h:
formats/ota_util.h:

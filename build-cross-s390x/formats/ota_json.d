build-cross-s390x/formats/ota_json.o: formats/ota_json.c \
 formats/ota_json.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_limits.h formats/ota_util.h formats/ota_hash.h
formats/ota_json.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:

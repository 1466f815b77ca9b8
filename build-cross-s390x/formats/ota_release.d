build-cross-s390x/formats/ota_release.o: formats/ota_release.c \
 formats/ota_id.h formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_limits.h formats/ota_release.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h
formats/ota_id.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
formats/ota_release.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:

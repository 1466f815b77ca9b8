build-cross-s390x/client/src/slot_dir.o: client/src/slot_dir.c \
 formats/ota_atomic.h formats/ota_err.h \
 formats/../client/include/ota/err.h formats/ota_limits.h \
 client/src/slot.h formats/ota_bundle.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_id.h formats/ota_limits.h
formats/ota_atomic.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
client/src/slot.h:
formats/ota_bundle.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_id.h:
formats/ota_limits.h:

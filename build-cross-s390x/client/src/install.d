build-cross-s390x/client/src/install.o: client/src/install.c \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/err.h client/include/ota/client.h \
 client/include/ota/transport.h client/include/ota/update.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 client/src/abi.h client/include/ota/report.h formats/ota_atomic.h \
 formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_bundle.h formats/ota_id.h formats/ota_limits.h \
 formats/ota_limits.h formats/ota_release.h formats/ota_util.h \
 formats/ota_hash.h client/src/run.h client/src/slot.h \
 client/src/sysconf.h formats/ota_err.h
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/err.h:
client/include/ota/client.h:
client/include/ota/transport.h:
client/include/ota/update.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
client/src/abi.h:
client/include/ota/report.h:
formats/ota_atomic.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_bundle.h:
formats/ota_id.h:
formats/ota_limits.h:
formats/ota_limits.h:
formats/ota_release.h:
formats/ota_util.h:
formats/ota_hash.h:
client/src/run.h:
client/src/slot.h:
client/src/sysconf.h:
formats/ota_err.h:

build-cross-s390x/client/agent/device.o: client/agent/device.c \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 client/agent/agent.h client/include/ota/client.h \
 client/include/ota/err.h client/include/ota/transport.h \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/update.h client/include/ota/report.h \
 formats/ota_atomic.h formats/ota_err.h \
 formats/../client/include/ota/err.h formats/ota_bundle.h \
 formats/ota_id.h formats/ota_limits.h formats/ota_util.h \
 formats/ota_hash.h
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
client/agent/agent.h:
client/include/ota/client.h:
client/include/ota/err.h:
client/include/ota/transport.h:
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/update.h:
client/include/ota/report.h:
formats/ota_atomic.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_bundle.h:
formats/ota_id.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:

build-cross-s390x/client/src/trust.o: client/src/trust.c \
 client/src/internal.h client/src/abi.h client/include/ota/err.h \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/client.h client/include/ota/transport.h \
 client/include/ota/update.h client/include/ota/report.h \
 formats/ota_tuf.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h formats/ota_key.h \
 formats/ota_limits.h formats/ota_util.h formats/ota_hash.h
client/src/internal.h:
client/src/abi.h:
client/include/ota/err.h:
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/client.h:
client/include/ota/transport.h:
client/include/ota/update.h:
client/include/ota/report.h:
formats/ota_tuf.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_key.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:

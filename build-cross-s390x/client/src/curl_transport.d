build-cross-s390x/client/src/curl_transport.o: \
 client/src/curl_transport.c \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curl.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curlver.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/system.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/easy.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/multi.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curl.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/urlapi.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/options.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/header.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/websockets.h \
 /work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/typecheck-gcc.h \
 client/src/internal.h client/src/abi.h client/include/ota/err.h \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/client.h client/include/ota/transport.h \
 client/include/ota/update.h client/include/ota/report.h \
 formats/ota_tuf.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h formats/ota_key.h \
 formats/ota_limits.h formats/ota_util.h formats/ota_hash.h
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curl.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curlver.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/system.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/easy.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/multi.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/curl.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/urlapi.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/options.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/header.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/websockets.h:
/work/main/build-cross-s390x/sysroot/usr/include/s390x-linux-gnu/curl/typecheck-gcc.h:
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

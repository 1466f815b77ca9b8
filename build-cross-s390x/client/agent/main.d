build-cross-s390x/client/agent/main.o: client/agent/main.c \
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
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 client/agent/agent.h client/include/ota/client.h \
 client/include/ota/err.h client/include/ota/transport.h \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/update.h client/include/ota/report.h \
 formats/ota_util.h formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_hash.h
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
formats/ota_util.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_hash.h:

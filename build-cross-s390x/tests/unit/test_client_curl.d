build-cross-s390x/tests/unit/test_client_curl.o: \
 tests/unit/test_client_curl.c \
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
 client/include/ota/client.h client/include/ota/err.h \
 client/include/ota/transport.h \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h
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
client/include/ota/client.h:
client/include/ota/err.h:
client/include/ota/transport.h:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:

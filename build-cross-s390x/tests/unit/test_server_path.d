build-cross-s390x/tests/unit/test_server_path.o: \
 tests/unit/test_server_path.c tests/unit/../../server/path.c \
 tests/unit/../../server/server.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 /work/main/build-cross-s390x/sysroot/usr/include/microhttpd.h \
 formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_limits.h formats/ota_util.h formats/ota_err.h \
 formats/ota_hash.h tests/unit/../../server/headers.c \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h
tests/unit/../../server/path.c:
tests/unit/../../server/server.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
/work/main/build-cross-s390x/sysroot/usr/include/microhttpd.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_err.h:
formats/ota_hash.h:
tests/unit/../../server/headers.c:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:

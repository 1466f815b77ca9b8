build-cross-s390x/tests/unit/test_json.o: tests/unit/test_json.c \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 formats/ota_json.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_limits.h formats/ota_util.h formats/ota_hash.h \
 tests/unit/testutil.h
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
formats/ota_json.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:
tests/unit/testutil.h:

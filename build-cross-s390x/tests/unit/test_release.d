build-cross-s390x/tests/unit/test_release.o: tests/unit/test_release.c \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 formats/ota_release.h formats/ota_err.h \
 formats/../client/include/ota/err.h formats/ota_limits.h \
 tests/unit/testutil.h
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
formats/ota_release.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:
tests/unit/testutil.h:

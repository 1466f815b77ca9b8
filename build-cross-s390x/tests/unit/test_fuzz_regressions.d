build-cross-s390x/tests/unit/test_fuzz_regressions.o: \
 tests/unit/test_fuzz_regressions.c formats/ota_keyfile.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h formats/ota_key.h \
 formats/ota_limits.h formats/ota_tuf.h formats/ota_limits.h \
 formats/ota_pkey.h \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h
formats/ota_keyfile.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_key.h:
formats/ota_limits.h:
formats/ota_tuf.h:
formats/ota_limits.h:
formats/ota_pkey.h:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:

build-cross-s390x/tests/unit/test_util.o: tests/unit/test_util.c \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 formats/ota_util.h formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_hash.h
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
formats/ota_util.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_hash.h:

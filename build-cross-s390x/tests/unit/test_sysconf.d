build-cross-s390x/tests/unit/test_sysconf.o: tests/unit/test_sysconf.c \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 tests/unit/../../client/src/sysconf.h client/include/ota/boot.h \
 client/include/ota/err.h formats/ota_err.h \
 formats/../client/include/ota/err.h
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
tests/unit/../../client/src/sysconf.h:
client/include/ota/boot.h:
client/include/ota/err.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:

build-cross-s390x/tests/unit/test_boot.o: tests/unit/test_boot.c \
 client/include/ota/boot.h client/include/ota/err.h \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h
client/include/ota/boot.h:
client/include/ota/err.h:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:

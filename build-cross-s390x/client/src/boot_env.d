build-cross-s390x/client/src/boot_env.o: client/src/boot_env.c \
 client/src/boot_int.h client/include/ota/boot.h client/include/ota/err.h \
 client/src/run.h
client/src/boot_int.h:
client/include/ota/boot.h:
client/include/ota/err.h:
client/src/run.h:

build-cross-s390x/client/src/run.o: client/src/run.c \
 client/src/boot_int.h client/include/ota/boot.h client/include/ota/err.h \
 client/src/run.h formats/ota_util.h formats/ota_err.h \
 formats/../client/include/ota/err.h formats/ota_hash.h
client/src/boot_int.h:
client/include/ota/boot.h:
client/include/ota/err.h:
client/src/run.h:
formats/ota_util.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_hash.h:

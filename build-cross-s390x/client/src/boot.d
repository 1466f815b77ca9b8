build-cross-s390x/client/src/boot.o: client/src/boot.c client/src/abi.h \
 client/include/ota/err.h client/include/ota/install.h \
 client/include/ota/boot.h client/include/ota/client.h \
 client/include/ota/transport.h client/include/ota/update.h \
 client/include/ota/report.h client/src/boot_int.h client/src/run.h \
 formats/ota_util.h formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_hash.h
client/src/abi.h:
client/include/ota/err.h:
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/client.h:
client/include/ota/transport.h:
client/include/ota/update.h:
client/include/ota/report.h:
client/src/boot_int.h:
client/src/run.h:
formats/ota_util.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_hash.h:

build-cross-s390x/client/src/abi.o: client/src/abi.c client/src/abi.h \
 client/include/ota/err.h client/include/ota/install.h \
 client/include/ota/boot.h client/include/ota/client.h \
 client/include/ota/transport.h client/include/ota/update.h \
 client/include/ota/report.h
client/src/abi.h:
client/include/ota/err.h:
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/client.h:
client/include/ota/transport.h:
client/include/ota/update.h:
client/include/ota/report.h:

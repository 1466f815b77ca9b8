build-cross-s390x/client/agent/options.o: client/agent/options.c \
 client/agent/agent.h client/include/ota/client.h \
 client/include/ota/err.h client/include/ota/transport.h \
 client/include/ota/install.h client/include/ota/boot.h \
 client/include/ota/update.h client/include/ota/report.h \
 formats/ota_util.h formats/ota_err.h formats/../client/include/ota/err.h \
 formats/ota_hash.h
client/agent/agent.h:
client/include/ota/client.h:
client/include/ota/err.h:
client/include/ota/transport.h:
client/include/ota/install.h:
client/include/ota/boot.h:
client/include/ota/update.h:
client/include/ota/report.h:
formats/ota_util.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_hash.h:

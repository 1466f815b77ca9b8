build-cross-s390x/client/src/sysconf.o: client/src/sysconf.c \
 client/src/sysconf.h client/include/ota/boot.h client/include/ota/err.h \
 formats/ota_err.h formats/../client/include/ota/err.h formats/ota_id.h \
 formats/ota_err.h formats/ota_limits.h formats/ota_limits.h \
 formats/ota_util.h formats/ota_hash.h
client/src/sysconf.h:
client/include/ota/boot.h:
client/include/ota/err.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_id.h:
formats/ota_err.h:
formats/ota_limits.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:

build-cross-s390x/tests/unit/test_reporter.o: tests/unit/test_reporter.c \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 client/include/ota/report.h client/include/ota/err.h \
 client/include/ota/transport.h formats/ota_report.h formats/ota_err.h \
 formats/../client/include/ota/err.h formats/ota_limits.h
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
client/include/ota/report.h:
client/include/ota/err.h:
client/include/ota/transport.h:
formats/ota_report.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_limits.h:

build/formats/ota_err.o: formats/ota_err.c formats/ota_err.h
formats/ota_err.h:

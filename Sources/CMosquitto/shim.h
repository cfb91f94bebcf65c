// Glue for libmosquitto (Debian 12: 2.0.11). Only what Swift cannot import directly lives here.
#ifndef OUTPOST_CMOSQUITTO_SHIM_H
#define OUTPOST_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif

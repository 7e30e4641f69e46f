/* version: the one place the version string lives. */
#ifndef SIPWATCH_VERSION_H
#define SIPWATCH_VERSION_H

#define SIPWATCH_VERSION "0.1.0"

#endif

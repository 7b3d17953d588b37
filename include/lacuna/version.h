// Library version.
#pragma once

#define LACUNA_VERSION_MAJOR 0
#define LACUNA_VERSION_MINOR 1
#define LACUNA_VERSION_PATCH 0
#define LACUNA_VERSION_STRING "0.1.0"

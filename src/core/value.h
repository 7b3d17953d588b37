// Run-time values (tensor, sequence or optional); the type is part of the public API.
#pragma once

#include "lacuna/value.h"

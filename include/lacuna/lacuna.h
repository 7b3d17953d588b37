// Lacuna: a sparsity-aware inference engine for CPUs. The whole public API.
#pragma once

#include "lacuna/session.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"
#include "lacuna/value.h"
#include "lacuna/version.h"

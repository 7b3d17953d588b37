# Warning flags shared by every Lacuna target.
add_library(lacuna_warnings INTERFACE)
target_compile_options(lacuna_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)

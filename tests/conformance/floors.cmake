# Minimum pass counts per suite. Raise them as coverage grows; never lower them.
set(CONFORMANCE_FLOOR_node 920)
set(CONFORMANCE_FLOOR_pytorch-converted 82)
set(CONFORMANCE_FLOOR_pytorch-operator 35)
set(CONFORMANCE_FLOOR_simple 21)

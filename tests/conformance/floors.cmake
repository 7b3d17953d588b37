# Minimum pass counts per suite. Raise them as coverage grows; never lower them.
set(CONFORMANCE_FLOOR_node 0)
set(CONFORMANCE_FLOOR_pytorch-converted 0)
set(CONFORMANCE_FLOOR_pytorch-operator 0)
set(CONFORMANCE_FLOOR_simple 0)

-- Their rows now live in allocation_sets (copied by 0008).
DROP TABLE `allocations`;
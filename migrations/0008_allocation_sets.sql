CREATE TABLE `allocation_sets` (
	`index_id` text NOT NULL,
	`version` integer NOT NULL,
	`rebalance_date` text NOT NULL,
	`holdings` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`index_id`, `version`, `rebalance_date`),
	FOREIGN KEY (`index_id`) REFERENCES `indexes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Every stored allocation row moves into its rebalance's set (entries in asset order), before 0009 drops the row table.
INSERT INTO `allocation_sets` (`index_id`, `version`, `rebalance_date`, `holdings`, `created_at`, `updated_at`)
SELECT `index_id`, `version`, `rebalance_date`, json_group_array(json_array(`asset_id`, `weight`, `shares`)), MIN(`created_at`), MAX(`updated_at`)
FROM (SELECT * FROM `allocations` ORDER BY `index_id`, `version`, `rebalance_date`, `asset_id`)
GROUP BY `index_id`, `version`, `rebalance_date`;

CREATE TABLE `index_versions` (
	`index_id` text NOT NULL,
	`version` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`definition` text NOT NULL,
	`methodology_hash` text,
	`data_as_of` text,
	`metadata` text,
	`failure_reason` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`index_id`, `version`),
	FOREIGN KEY (`index_id`) REFERENCES `indexes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `adjustment_factors` ADD `split_factor` real DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `market_caps` ADD `shares_outstanding` real;--> statement-breakpoint
ALTER TABLE `rebalances` ADD `joined` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `rebalances` ADD `left` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `rebalances` ADD `caps_relaxed` integer DEFAULT false NOT NULL;
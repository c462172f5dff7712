ALTER TABLE `alerts` ADD `kind` text DEFAULT 'price' NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `index_id` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `triggered_value` real;--> statement-breakpoint
ALTER TABLE `alerts` ADD `message` text;--> statement-breakpoint
CREATE INDEX `alerts_kind_status_idx` ON `alerts` (`kind`,`status`);
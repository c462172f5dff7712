CREATE TABLE `position_splits` (
	`owner_id` text NOT NULL,
	`symbol` text NOT NULL,
	`split_date` text NOT NULL,
	`ratio` real NOT NULL,
	`held_before` real NOT NULL,
	`shares_added` real NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`owner_id`, `symbol`, `split_date`),
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);

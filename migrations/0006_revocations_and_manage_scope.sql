CREATE TABLE `revocations` (
	`subject` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `revocations_user_idx` ON `revocations` (`user_id`,`created_at`);
--> statement-breakpoint
-- Scopes v1.1: key management and webhooks moved from any key to the new `manage` scope. Keys that hold `trade`
-- or `admin` could do both before, so they keep that power and gain `manage`; read-only keys do not (they could
-- revoke their owner's keys and create webhooks: the hole this closes). Alerts now need `trade`, as API.md says.
UPDATE `api_keys` SET `scopes` = json_insert(`scopes`, '$[#]', 'manage'), `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ','now')
WHERE EXISTS (SELECT 1 FROM json_each(`api_keys`.`scopes`) WHERE value IN ('trade', 'admin'))
  AND NOT EXISTS (SELECT 1 FROM json_each(`api_keys`.`scopes`) WHERE value = 'manage');
--> statement-breakpoint
-- Keys revoked before this migration get their revocation record too, so every revoked credential has one.
INSERT OR IGNORE INTO `revocations` (`subject`, `user_id`, `reason`)
SELECT `id`, `user_id`, 'key_revoked' FROM `api_keys` WHERE `revoked_at` IS NOT NULL OR `deleted_at` IS NOT NULL;

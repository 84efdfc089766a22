-- hand-written: begin
-- Each Discord DM and each HTTP API user becomes a workspace of its own: all DMs shared "@dm" and all API users "api",
-- so their usage, budgets and per-minute limits were pooled. Their conversations, usage and settings move with them.
UPDATE "conversations" SET "workspace_id" = '@dm:' || "channel_id" WHERE "platform" = 'discord' AND "workspace_id" = '@dm';--> statement-breakpoint
UPDATE "usage" SET "workspace_id" = '@dm:' || "channel_id" WHERE "platform" = 'discord' AND "workspace_id" = '@dm';--> statement-breakpoint
UPDATE "channel_settings" SET "workspace_id" = '@dm:' || "channel_id" WHERE "platform" = 'discord' AND "workspace_id" = '@dm';--> statement-breakpoint
UPDATE "conversations" SET "workspace_id" = 'api:' || "channel_id" WHERE "platform" = 'http' AND "workspace_id" = 'api';--> statement-breakpoint
UPDATE "usage" SET "workspace_id" = 'api:' || "channel_id" WHERE "platform" = 'http' AND "workspace_id" = 'api';--> statement-breakpoint
UPDATE "channel_settings" SET "workspace_id" = 'api:' || "channel_id" WHERE "platform" = 'http' AND "workspace_id" = 'api';--> statement-breakpoint
-- Roles were platform-wide and recorded no workspace: set aside here, put back scoped at the end.
CREATE TEMPORARY TABLE "user_roles_unscoped" ON COMMIT DROP AS SELECT * FROM "user_roles";--> statement-breakpoint
DELETE FROM "user_roles";--> statement-breakpoint
-- hand-written: end
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_platform_user_id_pk";--> statement-breakpoint
ALTER TABLE "user_roles" ADD COLUMN "workspace_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_platform_workspace_id_user_id_pk" PRIMARY KEY("platform","workspace_id","user_id");--> statement-breakpoint
-- hand-written: begin
-- Where the grant was made is known only when the platform was used in one workspace (DMs aside): the role is kept
-- there. An HTTP API user's role applies to their own workspace. Every other role is dropped, never widened: an admin
-- re-grants it in the workspace it is meant for (README, "Roles").
INSERT INTO "user_roles" ("platform", "workspace_id", "user_id", "role", "granted_by", "granted_at")
SELECT r."platform", 'api:' || r."user_id", r."user_id", r."role", r."granted_by", r."granted_at"
FROM "user_roles_unscoped" r WHERE r."platform" = 'http'
UNION ALL
SELECT r."platform", sole."workspace_id", r."user_id", r."role", r."granted_by", r."granted_at"
FROM "user_roles_unscoped" r
JOIN (
  SELECT "platform", min("workspace_id") AS "workspace_id"
  FROM (
    SELECT "platform", "workspace_id" FROM "conversations"
    UNION SELECT "platform", "workspace_id" FROM "usage"
    UNION SELECT "platform", "workspace_id" FROM "channel_settings"
  ) seen
  WHERE "workspace_id" NOT LIKE '@dm:%'
  GROUP BY "platform"
  HAVING count(DISTINCT "workspace_id") = 1
) sole ON sole."platform" = r."platform"
WHERE r."platform" <> 'http';
-- hand-written: end

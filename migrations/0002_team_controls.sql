CREATE TABLE "channel_settings" (
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"version" integer NOT NULL,
	"settings" jsonb NOT NULL,
	"change" text NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_settings_platform_workspace_id_channel_id_version_pk" PRIMARY KEY("platform","workspace_id","channel_id","version")
);
--> statement-breakpoint
CREATE TABLE "user_roles" (
	"platform" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"granted_by" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_roles_platform_user_id_pk" PRIMARY KEY("platform","user_id")
);
--> statement-breakpoint
CREATE INDEX "usage_channel_time" ON "usage" USING btree ("platform","workspace_id","channel_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_workspace_time" ON "usage" USING btree ("platform","workspace_id","created_at");
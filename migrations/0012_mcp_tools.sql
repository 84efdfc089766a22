CREATE TABLE "mcp_servers" (
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"name" text NOT NULL,
	"transport" text NOT NULL,
	"url" text,
	"command" text,
	"header_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"headers_sealed" text,
	"tool_marks" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_servers_platform_workspace_id_name_pk" PRIMARY KEY("platform","workspace_id","name")
);
--> statement-breakpoint
CREATE TABLE "tool_approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"delivery_id" text NOT NULL,
	"message" jsonb NOT NULL,
	"asker_id" text NOT NULL,
	"server" text NOT NULL,
	"tool" text NOT NULL,
	"tool_use_id" text NOT NULL,
	"input" jsonb NOT NULL,
	"turn" jsonb NOT NULL,
	"state" text NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tool_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"user_id" text NOT NULL,
	"user_name" text NOT NULL,
	"delivery_id" text NOT NULL,
	"tool_use_id" text NOT NULL,
	"server" text NOT NULL,
	"tool" text NOT NULL,
	"args_sha256" text NOT NULL,
	"result_chars" integer NOT NULL,
	"duration_ms" integer NOT NULL,
	"outcome" text NOT NULL,
	"approved_by" text
);
--> statement-breakpoint
CREATE INDEX "tool_approvals_workspace" ON "tool_approvals" USING btree ("platform","workspace_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tool_calls_once" ON "tool_calls" USING btree ("delivery_id","tool_use_id");--> statement-breakpoint
CREATE INDEX "tool_calls_workspace_time" ON "tool_calls" USING btree ("platform","workspace_id","at");

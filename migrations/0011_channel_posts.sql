CREATE TABLE "channel_posts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"thread_id" text NOT NULL,
	"message_id" text NOT NULL,
	"author_id" text NOT NULL,
	"author_name" text NOT NULL,
	"from_bot" boolean DEFAULT false NOT NULL,
	"text" text NOT NULL,
	"tsv" "tsvector" NOT NULL,
	"posted_at" timestamp with time zone NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "channel_posts_message" ON "channel_posts" USING btree ("platform","workspace_id","channel_id","message_id");--> statement-breakpoint
CREATE INDEX "channel_posts_tsv" ON "channel_posts" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "channel_posts_author" ON "channel_posts" USING btree ("platform","author_id");--> statement-breakpoint
-- Whether a channel's settings in force say knowledge is on: the newest stored version's, off when never set. The
-- gateway asks it in the same statement that indexes a post, so a channel with knowledge off costs one indexed look-up
-- per message and stores nothing.
CREATE FUNCTION xiaoliu_knowledge_on(p text, w text, c text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT (s.settings->>'knowledge')::boolean FROM channel_settings s
                   WHERE s.platform = p AND s.workspace_id = w AND s.channel_id = c
                   ORDER BY s.version DESC LIMIT 1), false)
$$;
--> statement-breakpoint
-- A fact Claude suggested remembering with an answer (its suggest_memory tool): the "Remember this" button under
-- the answer stores it as a channel memory.
ALTER TABLE "answers" ADD COLUMN "suggested_memory" text;

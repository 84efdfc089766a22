CREATE TABLE "knowledge_entries" (
	"message_id" bigint PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"thread_id" text NOT NULL,
	"platform_message_id" text,
	"tsv" "tsvector" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "memories" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"scope" text NOT NULL,
	"author_id" text NOT NULL,
	"author_name" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivery_id" text NOT NULL,
	CONSTRAINT "memories_delivery_id_unique" UNIQUE("delivery_id")
);
--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"schedule_id" bigint NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"delivery_id" text NOT NULL,
	"skipped" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedule_runs_schedule_id_fire_at_pk" PRIMARY KEY("schedule_id","fire_at")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"created_by_id" text NOT NULL,
	"created_by_name" text NOT NULL,
	"spec" text NOT NULL,
	"cron" text NOT NULL,
	"time_zone" text NOT NULL,
	"prompt" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivery_id" text NOT NULL,
	CONSTRAINT "schedules_delivery_id_unique" UNIQUE("delivery_id")
);
--> statement-breakpoint
ALTER TABLE "knowledge_entries" ADD CONSTRAINT "knowledge_entries_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "knowledge_entries_tsv" ON "knowledge_entries" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "knowledge_entries_channel" ON "knowledge_entries" USING btree ("platform","workspace_id","channel_id");--> statement-breakpoint
CREATE INDEX "memories_channel" ON "memories" USING btree ("platform","workspace_id","channel_id");--> statement-breakpoint
CREATE INDEX "memories_author" ON "memories" USING btree ("platform","author_id");--> statement-breakpoint
CREATE INDEX "schedules_channel" ON "schedules" USING btree ("platform","workspace_id","channel_id");--> statement-breakpoint
-- Knowledge search that works for Chinese and English alike, with nothing beyond core Postgres: words are indexed as
-- the 'simple' configuration reads them (lower-cased, no stemming, so no language is favoured), and each run of CJK
-- characters, which has no spaces between words, is also indexed as its overlapping bigrams ("部署日" → 部署, 署日),
-- the CJK analyzers' classic approach. A query is turned into the same terms (src/knowledge/search-terms.ts).
CREATE FUNCTION xiaoliu_cjk_bigrams(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
    CASE WHEN length(r[1]) = 1 THEN r[1]
    ELSE (SELECT string_agg(substr(r[1], i, 2), ' ') FROM generate_series(1, length(r[1]) - 1) AS i) END, ' '), '')
  FROM regexp_matches(t, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+', 'g') AS r
$$;--> statement-breakpoint
CREATE FUNCTION xiaoliu_search_vector(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple', regexp_replace(left(t, 100000), '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+', ' ', 'g'))
      || to_tsvector('simple', xiaoliu_cjk_bigrams(left(t, 100000)))
$$;--> statement-breakpoint
-- Each entry also carries one lexeme naming its channel ('#' and an md5, which no query term can spell: terms are
-- letters and digits), so a search ANDs it with the query and the GIN index itself narrows to the channel, instead of
-- fetching every match in every channel and filtering after (a common word otherwise costs a scan of all its rows).
CREATE FUNCTION xiaoliu_channel_lexeme(platform text, workspace_id text, channel_id text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '#' || md5(platform || '/' || workspace_id || '/' || channel_id)
$$;--> statement-breakpoint
-- Every message stored in a channel whose settings in force say knowledge is on gets its entry, whichever path stored
-- it (a question, an answer, a thread read on first summons). An answer's platform id is its first posted part.
CREATE FUNCTION xiaoliu_index_message() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  SELECT platform, workspace_id, channel_id, thread_id INTO c FROM conversations WHERE id = NEW.conversation_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF coalesce((SELECT (s.settings->>'knowledge')::boolean FROM channel_settings s
               WHERE s.platform = c.platform AND s.workspace_id = c.workspace_id AND s.channel_id = c.channel_id
               ORDER BY s.version DESC LIMIT 1), false) THEN
    INSERT INTO knowledge_entries (message_id, platform, workspace_id, channel_id, thread_id, platform_message_id, tsv, created_at)
    VALUES (NEW.id, c.platform, c.workspace_id, c.channel_id, c.thread_id,
            CASE WHEN NEW.role = 'assistant' THEN (SELECT r.message_id FROM replies r WHERE r.delivery_id = NEW.delivery_id ORDER BY r.part LIMIT 1) END,
            xiaoliu_search_vector(NEW.text) || array_to_tsvector(ARRAY[xiaoliu_channel_lexeme(c.platform, c.workspace_id, c.channel_id)]),
            NEW.created_at)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER messages_knowledge AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION xiaoliu_index_message();

CREATE TABLE "answer_feedback" (
	"answer_id" text NOT NULL,
	"user_id" text NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"rating" text NOT NULL,
	"reason" text,
	"model" text NOT NULL,
	"skill" text NOT NULL,
	"settings_version" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "answer_feedback_answer_id_user_id_pk" PRIMARY KEY("answer_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "answers" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"question_id" text NOT NULL,
	"platform" text NOT NULL,
	"workspace_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"address" jsonb NOT NULL,
	"asker_id" text NOT NULL,
	"asker_name" text NOT NULL,
	"kind" text NOT NULL,
	"message_id" text,
	"question" text NOT NULL,
	"model" text NOT NULL,
	"skill" text NOT NULL,
	"settings_version" integer NOT NULL,
	"state" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "answer_feedback_workspace_time" ON "answer_feedback" USING btree ("platform","workspace_id","at");--> statement-breakpoint
CREATE INDEX "answers_question" ON "answers" USING btree ("question_id");--> statement-breakpoint
CREATE INDEX "answers_workspace_time" ON "answers" USING btree ("platform","workspace_id","created_at");
-- The results store's tables as the lab made them before its schema was versioned (commit c7dccca),
-- by SQLAlchemy for postgresql. tests/results/test_migrations.py builds an old store from this.

CREATE TABLE sessions (
	id VARCHAR(32) NOT NULL,
	trainee VARCHAR(200) NOT NULL,
	scenario_id VARCHAR(80) NOT NULL,
	scenario_version INTEGER NOT NULL,
	scenario_hash VARCHAR(16) NOT NULL,
	language VARCHAR(8) NOT NULL,
	seed BIGINT NOT NULL,
	attempt INTEGER NOT NULL,
	mode VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	started_at VARCHAR(40) NOT NULL,
	ended_at VARCHAR(40),
	outcome VARCHAR(16),
	ending VARCHAR(64),
	score FLOAT,
	passed BOOLEAN,
	final_mood INTEGER,
	handle_time FLOAT,
	competency_scores TEXT,
	csat INTEGER,
	fcr BOOLEAN,
	qa_score FLOAT,
	sla FLOAT,
	result TEXT,
	PRIMARY KEY (id)
);

CREATE INDEX ix_sessions_trainee ON sessions (trainee);

CREATE INDEX ix_sessions_status ON sessions (status);

CREATE INDEX ix_sessions_scenario_id ON sessions (scenario_id);

CREATE TABLE trainees (
	trainee VARCHAR(200) NOT NULL,
	team VARCHAR(200) NOT NULL,
	PRIMARY KEY (trainee)
);

CREATE TABLE reviews (
	id SERIAL NOT NULL,
	session_id VARCHAR(32) NOT NULL,
	reviewer VARCHAR(200) NOT NULL,
	scores TEXT NOT NULL,
	overall FLOAT NOT NULL,
	passed BOOLEAN NOT NULL,
	comment TEXT NOT NULL,
	created_at VARCHAR(40) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

CREATE INDEX ix_reviews_session_id ON reviews (session_id);

CREATE TABLE self_assessments (
	id SERIAL NOT NULL,
	session_id VARCHAR(32) NOT NULL,
	scores TEXT NOT NULL,
	overall FLOAT NOT NULL,
	comment TEXT NOT NULL,
	created_at VARCHAR(40) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

CREATE INDEX ix_self_assessments_session_id ON self_assessments (session_id);

CREATE TABLE turns (
	session_id VARCHAR(32) NOT NULL,
	idx INTEGER NOT NULL,
	node VARCHAR(64) NOT NULL,
	customer_line TEXT NOT NULL,
	reply TEXT NOT NULL,
	kind VARCHAR(8) NOT NULL,
	option_index INTEGER,
	confidence FLOAT NOT NULL,
	understood BOOLEAN NOT NULL,
	was_best BOOLEAN NOT NULL,
	best_option_index INTEGER,
	scores TEXT NOT NULL,
	mood_before INTEGER NOT NULL,
	mood_after INTEGER NOT NULL,
	reactions TEXT NOT NULL,
	feedback TEXT NOT NULL,
	latency FLOAT NOT NULL,
	at VARCHAR(40) NOT NULL,
	next VARCHAR(64) NOT NULL,
	ending VARCHAR(64),
	breach TEXT,
	PRIMARY KEY (session_id, idx),
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);

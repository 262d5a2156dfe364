"""The studio's words, in English and Polish (``AuthorStudio(lang=…)``). Trusted HTML: see ``text``.

What the checks, the path analysis and the random walks say (``simulator.loading``, ``simulator.studio``)
comes in English from those layers and is shown as it is.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "thousands": ",",
        # the editor
        "scenario": "Scenario",
        "new_id": "new-scenario-id",
        "new_scenario": "New scenario",
        "check": "Check",
        "save": "Save",
        "hub_refused": (
            "<b>{name}</b>, the scenario studio is for trainers. Ask the lab's admin to add you to the "
            "<code>trainers</code> group."
        ),
        "read_only": "The scenario library is read-only for you: only trainers change it.",
        # what failed, in the author's words: "could not save the file: the name is too long"
        "could_not": "could not {action}: {reason}",
        "act_open": "open the scenario",
        "act_save": "save the file",
        "act_check": "check the scenario",
        "act_draw": "draw the diagram",
        "act_walks": "run the random walks",
        "act_play": "play the scenario",
        "act_tests": "run the path tests",
        "act_phrasing": "add the phrasing",
        "act_default": "do that",
        "os_name_too_long": "the name is too long",
        "os_permission": "permission denied",
        "os_disk_full": "the disk is full",
        "os_not_found": "the file or its folder is gone",
        "os_read_only": "the folder is read-only",
        "os_other": "the server's file system refused it",
        "server_went_wrong": "something went wrong on the server (the details are in its log)",
        "bad_id": "a scenario id is lower-case letters, digits and dashes, e.g. refund-too-late",
        "exists": "{name} exists already — pick it from the list",
        "created": "Created {name} from the starter template.",
        "pick_or_create": "pick or create a scenario first",
        "saved": "Saved {name} at {time}{note}.",
        "saved_with_problems": " — with {n} problem(s): the library skips it until fixed",
        "fix_first": "fix the scenario's problems first",
        # the verdict
        "line_column": "line {line}, column {column}: {message}",
        "problems_to_fix": "{n} problem(s) to fix",
        "sound": "<b>{id}</b> v{version} is sound: {points} decision points, {endings} endings, {tests} path tests",
        "checked_in": "(checked in {ms} ms)",
        "warning_line": "line {line}: {message}",
        # the diagram
        "highlight": "Highlight",
        "best_path": "best path",
        "worst_path": "worst path",
        "shortest_pass": "shortest pass",
        "none": "none",
        "fix_to_draw": "Fix the problems above to see the diagram.",
        # paths and random walks
        "states": "{states} conversation states (node, mood, turns, remembered tags), all of them explored.",
        "paths": "Paths",
        "path_best": "best",
        "path_worst": "worst",
        "path_shortest": "shortest passing",
        "no_path_passes": "no path passes",
        "pass": "pass",
        "fail": "fail",
        "col_replies": "replies (option numbers)",
        "col_n": "n",
        "col_ending": "ending",
        "col_score": "score",
        "score_range": "Score range over every path (0–100)",
        "col_competency": "competency",
        "col_lowest": "lowest",
        "col_highest": "highest",
        "overall": "overall",
        "loops": "Loops",
        "idle": "Options that never matter",
        "endings": "Endings",
        "none_item": "none",
        "shortest_path": "shortest path {path}",
        "never_reached": "never reached",
        "outcome_resolved": "resolved",
        "outcome_follow_up": "follow_up",
        "outcome_escalated": "escalated",
        "outcome_lost": "lost",
        "walks": "Walks",
        "seed": "Seed",
        "run_walks": "Run random walks",
        "walk": "walk {seed}",
        # play from a node
        "from_node": "From node",
        "mood": "Mood",
        "play_here": "Play from here",
        "type_reply": "…or type a reply and press Enter",
        "you": "You",
        "not_understood": "not understood (confidence {confidence})",
        "mood_from_to": " (mood {before} → {after})",
        "play_status": "<b>mood {mood}</b> · node {node}",
        "breaking_point": "the breaking point",
        "ended": "<b>Ended at {ending}</b> ({outcome}) — score {score}, {verdict} · final mood {mood}",
        "passed": "passed",
        "not_passed": "not passed",
        # path tests
        "run_tests": "Run path tests",
        "tests_head": "{passed} passed, {failed} failed",
        "test_ok": "ok",
        "test_fail": "FAIL",
        "col_test": "test",
        "col_differs": "what differs",
        # replies not understood
        "no_missed": ("No typed replies to <b>{id}</b> went un-understood or were corrected in <code>{where}</code>."),
        "missed": (
            "{n} typed replies to <b>{id}</b> were not understood or were corrected by the trainee (“that's not "
            "what I meant”) (<code>{where}</code>). Pick the option each one means (for a corrected reply, the one "
            "the trainee meant is picked) and add it as a phrasing: it is written into the file and the scenario "
            "is checked again."
        ),
        "meant": "corrected: the trainee meant option {option}",
        "add_phrasing": "Add as phrasing",
        "save_to_file_first": "save the scenario to a file first",
        "unsaved": "the editor has unsaved changes: save them first, then add the phrasing",
        "added": "Added “{reply}” as a phrasing of option {option} at {node} in {file}.",
        # the code editor, its problems and drafts
        "cursor_at": "line {line}, column {column}",
        "editor_label": "The scenario's YAML text",
        "go_to": "Go to line {line}, column {column} in the editor",
        "jump_hint": "— click a problem to put the cursor on it",
        "discard_draft": "Discard draft",
        "act_discard": "discard the draft",
        "draft_label": "{name} — draft",
        "saved_draft": (
            "Saved as a draft ({draft}) at {time}, with {n} problem(s): trainees still get the last valid "
            "version of {name}. Fix the problems and save again to publish it."
        ),
        "saved_draft_not_live": (
            "Saved as a draft ({draft}) at {time}, with {n} problem(s). {name} in the library has problems too, "
            "so trainees are not offered this scenario until a sound version is saved."
        ),
        "draft_open": (
            "You are editing the draft saved at {time} ({draft}): trainees get the last valid version of {name} "
            "until the draft is sound and saved."
        ),
        "draft_discarded": "Draft discarded: the editor shows {name} as trainees get it.",
        "draft_phrasing": (
            "this scenario has a draft with problems: fix and save it (or discard it) first, then add phrasings"
        ),
        # replaying a random walk
        "replay": "Replay walk",
        "act_replay": "replay the walk",
        "replay_hint": "Replay walk, seed {seed}",
        # weak nodes (ui/studio/weak.py): paraphrase probes beside real sessions' rates
        "weak_head": "Weak nodes",
        "weak_intro": (
            "Where typed replies go wrong, worst first. <b>Estimated accuracy</b>: each option's text and "
            "phrasings held out in turn and matched against the rest with the scenario's matcher — the share "
            "taken for their own option (no sessions needed; a held-out wording stands for a trainee's own "
            "words). <b>Typed, not understood, “did you mean” shown, corrected</b>: what trainees really "
            "typed at the node."
        ),
        "weak_estimated": (
            "Estimated over the scenario: {accuracy} of {probes} probes taken for their own option; "
            "taken for another option: {other}."
        ),
        "weak_met": "{typed} typed replies to <b>{id}</b> in <code>{where}</code>.",
        "weak_none_met": "No typed replies to <b>{id}</b> in <code>{where}</code> yet: the real rates appear once "
        "trainees type.",
        "weak_no_phrasings": "no phrasings to probe: add some",
        "weak_col_node": "node",
        "weak_col_accuracy": "estimated accuracy",
        "weak_col_other": "taken for another option (probes)",
        "weak_col_typed": "typed",
        "weak_col_not_understood": "not understood",
        "weak_col_clarified": "“did you mean” shown",
        "weak_col_corrected": "corrected",
    },
    "pl": {
        "thousands": "\u00a0",
        # the editor
        "scenario": "Scenariusz",
        "new_id": "id-nowego-scenariusza",
        "new_scenario": "Nowy scenariusz",
        "check": "Sprawdź",
        "save": "Zapisz",
        "hub_refused": (
            "<b>{name}</b>, studio scenariuszy jest dla trenerów. Poproś administratora o dodanie Cię do "
            "grupy <code>trainers</code>."
        ),
        "read_only": "Biblioteka scenariuszy jest dla Ciebie tylko do odczytu: zmieniają ją tylko trenerzy.",
        "could_not": "nie udało się {action}: {reason}",
        "act_open": "otworzyć scenariusza",
        "act_save": "zapisać pliku",
        "act_check": "sprawdzić scenariusza",
        "act_draw": "narysować diagramu",
        "act_walks": "przeprowadzić losowych przejść",
        "act_play": "zagrać scenariusza",
        "act_tests": "uruchomić testów ścieżek",
        "act_phrasing": "dodać sformułowania",
        "act_default": "tego zrobić",
        "os_name_too_long": "nazwa jest za długa",
        "os_permission": "brak uprawnień",
        "os_disk_full": "dysk jest pełny",
        "os_not_found": "plik lub jego folder zniknął",
        "os_read_only": "folder jest tylko do odczytu",
        "os_other": "system plików serwera odmówił",
        "server_went_wrong": "coś poszło nie tak na serwerze (szczegóły są w jego dzienniku)",
        "bad_id": "id scenariusza to małe litery, cyfry i myślniki, np. zwrot-po-terminie",
        "exists": "{name} już istnieje — wybierz go z listy",
        "created": "Utworzono {name} z szablonu startowego.",
        "pick_or_create": "najpierw wybierz albo utwórz scenariusz",
        "saved": "Zapisano {name} o {time}{note}.",
        "saved_with_problems": " — z problemami ({n}): biblioteka pomija go, dopóki nie zostaną poprawione",
        "fix_first": "najpierw popraw problemy scenariusza",
        # the verdict
        "line_column": "wiersz {line}, kolumna {column}: {message}",
        "problems_to_fix": "Problemy do poprawienia: {n}",
        "sound": (
            "<b>{id}</b> v{version} jest poprawny: punkty decyzji: {points}, zakończenia: {endings}, "
            "testy ścieżek: {tests}"
        ),
        "checked_in": "(sprawdzono w {ms} ms)",
        "warning_line": "wiersz {line}: {message}",
        # the diagram
        "highlight": "Wyróżnij",
        "best_path": "najlepsza ścieżka",
        "worst_path": "najgorsza ścieżka",
        "shortest_pass": "najkrótsze zaliczenie",
        "none": "brak",
        "fix_to_draw": "Popraw powyższe problemy, by zobaczyć diagram.",
        # paths and random walks
        "states": "Stany rozmowy (węzeł, nastrój, tury, zapamiętane znaczniki): {states}, wszystkie zbadane.",
        "paths": "Ścieżki",
        "path_best": "najlepsza",
        "path_worst": "najgorsza",
        "path_shortest": "najkrótsza zaliczona",
        "no_path_passes": "żadna ścieżka nie zalicza",
        "pass": "zaliczona",
        "fail": "niezaliczona",
        "col_replies": "odpowiedzi (numery opcji)",
        "col_n": "n",
        "col_ending": "zakończenie",
        "col_score": "wynik",
        "score_range": "Zakres wyników na wszystkich ścieżkach (0–100)",
        "col_competency": "kompetencja",
        "col_lowest": "najniższy",
        "col_highest": "najwyższy",
        "overall": "ogółem",
        "loops": "Pętle",
        "idle": "Opcje, które nigdy nie mają znaczenia",
        "endings": "Zakończenia",
        "none_item": "brak",
        "shortest_path": "najkrótsza ścieżka {path}",
        "never_reached": "nigdy nieosiągnięte",
        "outcome_resolved": "rozwiązane",
        "outcome_follow_up": "umówiony kontakt",
        "outcome_escalated": "eskalacja",
        "outcome_lost": "klient stracony",
        "walks": "Przejścia",
        "seed": "Ziarno",
        "run_walks": "Uruchom losowe przejścia",
        "walk": "przejście {seed}",
        # play from a node
        "from_node": "Od węzła",
        "mood": "Nastrój",
        "play_here": "Zagraj stąd",
        "type_reply": "…lub wpisz odpowiedź i naciśnij Enter",
        "you": "Ty",
        "not_understood": "niezrozumiana (pewność {confidence})",
        "mood_from_to": " (nastrój {before} → {after})",
        "play_status": "<b>nastrój {mood}</b> · węzeł {node}",
        "breaking_point": "punkt krytyczny",
        "ended": "<b>Koniec w {ending}</b> ({outcome}) — wynik {score}, {verdict} · końcowy nastrój {mood}",
        "passed": "zaliczone",
        "not_passed": "niezaliczone",
        # path tests
        "run_tests": "Uruchom testy ścieżek",
        "tests_head": "zaliczone: {passed}, niezaliczone: {failed}",
        "test_ok": "ok",
        "test_fail": "BŁĄD",
        "col_test": "test",
        "col_differs": "co się różni",
        # replies not understood
        "no_missed": (
            "Wszystkie wpisane odpowiedzi do <b>{id}</b> w <code>{where}</code> zostały zrozumiane i żadnej nie "
            "poprawiono."
        ),
        "missed": (
            "Wpisane odpowiedzi do <b>{id}</b> niezrozumiane albo poprawione przez kursanta („nie o to mi "
            "chodziło”): {n} (<code>{where}</code>). Wybierz opcję, którą znaczy każda z nich (przy poprawionej "
            "wybrana jest ta, o którą chodziło kursantowi), i dodaj ją jako sformułowanie: zostanie zapisana "
            "w pliku, a scenariusz sprawdzony ponownie."
        ),
        "meant": "poprawiona: kursantowi chodziło o opcję {option}",
        "add_phrasing": "Dodaj jako sformułowanie",
        "save_to_file_first": "najpierw zapisz scenariusz do pliku",
        "unsaved": "edytor ma niezapisane zmiany: najpierw je zapisz, potem dodaj sformułowanie",
        "added": "Dodano „{reply}” jako sformułowanie opcji {option} w {node} w pliku {file}.",
        # edytor kodu, jego problemy i szkice
        "cursor_at": "wiersz {line}, kolumna {column}",
        "editor_label": "Tekst scenariusza w YAML",
        "go_to": "Przejdź do wiersza {line}, kolumny {column} w edytorze",
        "jump_hint": "— kliknij problem, by ustawić na nim kursor",
        "discard_draft": "Odrzuć szkic",
        "act_discard": "odrzucić szkicu",
        "draft_label": "{name} — szkic",
        "saved_draft": (
            "Zapisano jako szkic ({draft}) o {time}, z problemami ({n}): kursanci nadal dostają ostatnią "
            "poprawną wersję {name}. Popraw problemy i zapisz ponownie, by ją opublikować."
        ),
        "saved_draft_not_live": (
            "Zapisano jako szkic ({draft}) o {time}, z problemami ({n}). {name} w bibliotece też ma problemy, "
            "więc kursanci nie dostaną tego scenariusza, dopóki nie zostanie zapisana poprawna wersja."
        ),
        "draft_open": (
            "Edytujesz szkic zapisany o {time} ({draft}): kursanci dostają ostatnią poprawną wersję {name}, "
            "dopóki szkic nie będzie poprawny i zapisany."
        ),
        "draft_discarded": "Szkic odrzucony: edytor pokazuje {name} tak, jak dostają go kursanci.",
        "draft_phrasing": (
            "ten scenariusz ma szkic z problemami: najpierw go popraw i zapisz (albo odrzuć), potem dodaj sformułowania"
        ),
        # odtwarzanie losowego przejścia
        "replay": "Odtwórz przejście",
        "act_replay": "odtworzyć przejścia",
        "replay_hint": "Odtwórz przejście, ziarno {seed}",
        # słabe węzły (ui/studio/weak.py)
        "weak_head": "Słabe węzły",
        "weak_intro": (
            "Gdzie wpisywane odpowiedzi są źle rozumiane, od najgorszych. <b>Szacowana trafność</b>: tekst i "
            "sformułowania każdej opcji po kolei odłożone na bok i dopasowane do pozostałych dopasowaniem "
            "scenariusza — odsetek przypisany do własnej opcji (bez sesji; odłożone sformułowanie zastępuje "
            "własne słowa kursanta). <b>Wpisane, niezrozumiane, pokazano „czy chodziło o”, poprawione</b>: co "
            "kursanci naprawdę wpisali w tym węźle."
        ),
        "weak_estimated": (
            "Szacunek dla całego scenariusza: {accuracy} z {probes} prób przypisanych do własnej opcji; "
            "wzięte za inną opcję: {other}."
        ),
        "weak_met": "Wpisane odpowiedzi do <b>{id}</b> w <code>{where}</code>: {typed}.",
        "weak_none_met": "Brak jeszcze wpisanych odpowiedzi do <b>{id}</b> w <code>{where}</code>: odsetki z "
        "praktyki pojawią się, gdy kursanci zaczną pisać.",
        "weak_no_phrasings": "brak sformułowań do sprawdzenia: dodaj je",
        "weak_col_node": "węzeł",
        "weak_col_accuracy": "szacowana trafność",
        "weak_col_other": "wzięte za inną opcję (próby)",
        "weak_col_typed": "wpisane",
        "weak_col_not_understood": "niezrozumiane",
        "weak_col_clarified": "pokazano „czy chodziło o”",
        "weak_col_corrected": "poprawione",
    },
}

"""Question shapes on a small school database the test creates: each question's SQL must return
the rows of a hand-written reference (execution match), as in text-to-SQL evaluations."""

from __future__ import annotations

import pytest

from tests.helpers.engine import normalised, sqlite_domain
from tests.helpers.school import SCHOOL_DDL, SCHOOL_ROWS

pytestmark = pytest.mark.slow

# (shape, question, reference SQL, whether row order is part of the answer)
CASES = [
    ("count", "How many students are there?", "SELECT COUNT(*) FROM students", False),
    (
        "columns",
        "What are the first names and ages of all students?",
        "SELECT first_name, age FROM students",
        False,
    ),
    (
        "coordinated columns",
        "List the first and last name of every student.",
        "SELECT first_name, last_name FROM students",
        False,
    ),
    (
        "all columns",
        "Show all the information about teachers from Lisbon.",
        "SELECT * FROM teachers WHERE city = 'Lisbon'",
        False,
    ),
    (
        "distinct",
        "Show the different majors of students.",
        "SELECT DISTINCT major FROM students",
        False,
    ),
    (
        "count distinct",
        "How many different majors are there?",
        "SELECT COUNT(DISTINCT major) FROM students",
        False,
    ),
    (
        "superlative",
        "What is the title of the course with the most credits?",
        "SELECT title FROM courses ORDER BY credits DESC LIMIT 1",
        True,
    ),
    (
        "sort",
        "List the course titles in descending order of credits.",
        "SELECT title FROM courses ORDER BY credits DESC",
        True,
    ),
    (
        "alphabetical",
        "List the names of teachers in alphabetical order.",
        "SELECT name FROM teachers ORDER BY name",
        True,
    ),
    (
        "comparison",
        "Which courses have more than 4 credits?",
        "SELECT title FROM courses WHERE credits > 4",
        False,
    ),
    (
        "comparison after",
        "Show the first names of students aged 22 or older.",
        "SELECT first_name FROM students WHERE age >= 22",
        False,
    ),
    (
        "or between comparisons",
        "Which courses have credits above 6 or below 3?",
        "SELECT title FROM courses WHERE credits > 6 OR credits < 3",
        False,
    ),
    (
        "value or value",
        "List the first names of students from Lisbon or Porto.",
        "SELECT first_name FROM students WHERE city IN ('Lisbon', 'Porto')",
        False,
    ),
    (
        "negated value",
        "List the first names of students whose major is not Biology.",
        "SELECT first_name FROM students WHERE major != 'Biology'",
        False,
    ),
    (
        "like",
        "Which teachers have names containing 'ar'?",
        "SELECT name FROM teachers WHERE name LIKE '%ar%'",
        False,
    ),
    (
        "group",
        "How many students are there for each major?",
        "SELECT major, COUNT(*) FROM students GROUP BY major",
        False,
    ),
    (
        "chained aggregates",
        "What are the average and maximum age of students?",
        "SELECT AVG(age), MAX(age) FROM students",
        False,
    ),
    (
        "most common",
        "What is the most common major?",
        "SELECT major FROM students GROUP BY major ORDER BY COUNT(*) DESC LIMIT 1",
        True,
    ),
    (
        "having",
        "Which teachers teach at least 2 courses?",
        "SELECT t.name FROM teachers t JOIN courses c ON c.teacher_id = t.id "
        "GROUP BY t.id HAVING COUNT(*) >= 2",
        False,
    ),
    (
        "join",
        "What are the titles of courses taught by teachers from Lisbon?",
        "SELECT c.title FROM courses c JOIN teachers t ON t.id = c.teacher_id "
        "WHERE t.city = 'Lisbon'",
        False,
    ),
    (
        "bridge join",
        "List the first names of students enrolled in Chemistry.",
        "SELECT s.first_name FROM students s JOIN enrollments e ON e.student_id = s.id "
        "JOIN courses c ON c.id = e.course_id WHERE c.title = 'Chemistry'",
        False,
    ),
    (
        "ranked join",
        "Which teacher teaches the most courses?",
        "SELECT t.name FROM teachers t JOIN courses c ON c.teacher_id = t.id "
        "GROUP BY t.id ORDER BY COUNT(*) DESC LIMIT 1",
        True,
    ),
    (
        "not in",
        "Find the names of teachers who do not teach any courses.",
        "SELECT name FROM teachers WHERE id NOT IN (SELECT teacher_id FROM courses)",
        False,
    ),
    (
        "not in through a bridge",
        "List the first names of students who are not enrolled in Algebra.",
        "SELECT first_name FROM students WHERE id NOT IN (SELECT e.student_id FROM enrollments e "
        "JOIN courses c ON c.id = e.course_id WHERE c.title = 'Algebra')",
        False,
    ),
    (
        "above average",
        "Which courses have credits greater than the average?",
        "SELECT title FROM courses WHERE credits > (SELECT AVG(credits) FROM courses)",
        False,
    ),
    (
        "intersect",
        "Which cities have both students majoring in Biology and Physics?",
        "SELECT city FROM students WHERE major = 'Biology' "
        "INTERSECT SELECT city FROM students WHERE major = 'Physics'",
        False,
    ),
    (
        "number equality",
        "What is the title of the course with id 3?",
        "SELECT title FROM courses WHERE id = 3",
        False,
    ),
    (
        "either condition",
        "How many students are from Faro or older than 23?",
        "SELECT COUNT(*) FROM students WHERE city = 'Faro' OR age > 23",
        False,
    ),
    (
        "age superlative",
        "What is the first name of the youngest student?",
        "SELECT first_name FROM students ORDER BY age LIMIT 1",
        True,
    ),
    (
        "having on an aggregate",
        "List the majors whose average age is above 21.",
        "SELECT major FROM students GROUP BY major HAVING AVG(age) > 21",
        False,
    ),
    (
        "aggregate per group",
        "For each major, what is the highest age of its students?",
        "SELECT major, MAX(age) FROM students GROUP BY major",
        False,
    ),
    (
        "quoted full name",
        'How many courses is "Ana Silva" enrolled in?',
        "SELECT COUNT(*) FROM enrollments e JOIN students s ON s.id = e.student_id "
        "WHERE s.first_name = 'Ana' AND s.last_name = 'Silva'",
        False,
    ),
    (
        "list of aggregates",
        "What are the average, minimum and maximum credits of courses?",
        "SELECT AVG(credits), MIN(credits), MAX(credits) FROM courses",
        False,
    ),
    (
        "except by negated value",
        "Which teachers teach Algebra but not Poetry?",
        "SELECT t.name FROM teachers t JOIN courses c ON c.teacher_id = t.id "
        "WHERE c.title = 'Algebra' EXCEPT SELECT t.name FROM teachers t "
        "JOIN courses c ON c.teacher_id = t.id WHERE c.title = 'Poetry'",
        False,
    ),
]


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    return sqlite_domain(
        tmp_path_factory.mktemp("school") / "school.sqlite", SCHOOL_DDL, SCHOOL_ROWS
    )


@pytest.mark.parametrize(
    ("shape", "question", "reference", "ordered"), CASES, ids=[c[0] for c in CASES]
)
def test_question_shapes(engine, school, shape, question, reference, ordered):
    cand = engine.generate(question, school.schema, school.values)
    got = normalised(school.run(cand.sql), ordered)
    want = normalised(school.run(reference), ordered)
    assert want, f"the reference for {shape!r} should return rows"
    assert got == want, f"{question!r}\n  engine: {cand.sql}\n  ({cand.explanation})"

"""A small school database (teachers, courses, students and their enrollments) for the
question-shape and alternative-candidate tests of the engine."""

SCHOOL_DDL = """
CREATE TABLE teachers (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, city TEXT);
CREATE TABLE courses (
    id INTEGER PRIMARY KEY, title TEXT, credits INTEGER,
    teacher_id INTEGER REFERENCES teachers(id));
CREATE TABLE students (
    id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, age INTEGER, major TEXT, city TEXT);
CREATE TABLE enrollments (
    student_id INTEGER REFERENCES students(id), course_id INTEGER REFERENCES courses(id),
    grade INTEGER, PRIMARY KEY (student_id, course_id));
"""
SCHOOL_ROWS = {
    "teachers": [
        (1, "Helena Marsh", 58, "Lisbon"),
        (2, "Omar Haddad", 41, "Porto"),
        (3, "Ines Duarte", 35, "Lisbon"),
        (4, "Karl Stein", 63, "Braga"),
    ],
    "courses": [
        (1, "Algebra", 6, 1),
        (2, "Geometry", 4, 1),
        (3, "Poetry", 3, 2),
        (4, "Chemistry", 8, 3),
        (5, "Painting", 2, 2),
        (6, "Statistics", 5, 1),
    ],
    "students": [
        (1, "Ana", "Silva", 19, "Biology", "Lisbon"),
        (2, "Rui", "Costa", 22, "Physics", "Porto"),
        (3, "Eva", "Lopes", 20, "Biology", "Braga"),
        (4, "Tom", "Reis", 25, "History", "Lisbon"),
        (5, "Lia", "Mota", 21, "Physics", "Faro"),
        (6, "Joao", "Neves", 23, "Biology", "Porto"),
    ],
    "enrollments": [
        (1, 1, 15),
        (1, 4, 17),
        (2, 1, 12),
        (2, 2, 14),
        (3, 3, 18),
        (3, 4, 16),
        (4, 5, 11),
        (5, 1, 19),
        (5, 4, 13),
    ],
}

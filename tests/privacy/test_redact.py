"""PHI redaction on synthetic patient messages: identifiers tagged, clinical words kept.

Every identifier below is made up (fictional 555-01xx and 07700 900xxx phone ranges, example.*
domains, the NHS's published example number, a voided SSN).
"""

import dataclasses
import time

import pytest

from workbench import InputError
from workbench.privacy import MSG_NOT_TEXT, PhiKind, Redacted, find_phi, redact, tag

# (message, the identifiers it holds, the redacted text expected)
PHI_CASES = [
    (
        "Hi, my name is Priya Raman and I have been feeling hopeless since January.",
        ["Priya Raman"],
        "Hi, my name is [NAME] and I have been feeling hopeless since January.",
    ),
    (
        "Hi, I'm Maria Lopez and I can't stop crying at night.",
        ["Maria Lopez"],
        "Hi, I'm [NAME] and I can't stop crying at night.",
    ),
    (
        "This is Marcus O'Donnell, date of birth 07/22/1991. I missed my appointment.",
        ["Marcus O'Donnell", "07/22/1991"],
        "This is [NAME], date of birth [DATE]. I missed my appointment.",
    ),
    (
        "Please call me back on (312) 555-0187, I had thoughts of overdose last night.",
        ["(312) 555-0187"],
        "Please call me back on [PHONE], I had thoughts of overdose last night.",
    ),
    (
        "My mobile is 07700 900461 if the clinic needs to reach me.",
        ["07700 900461"],
        "My mobile is [PHONE] if the clinic needs to reach me.",
    ),
    (
        "Text me on +44 7700 900123 after the group session.",
        ["+44 7700 900123"],
        "Text me on [PHONE] after the group session.",
    ),
    (
        "You can email me at j.okonkwo.test@example.net about my PHQ-9 score 14.",
        ["j.okonkwo.test@example.net"],
        "You can email me at [EMAIL] about my PHQ-9 score 14.",
    ),
    (
        "I moved to 58 Birchwood Avenue, Apt 2C, Madison, WI 53703 and feel isolated.",
        ["58 Birchwood Avenue", "Madison", "53703"],
        "I moved to [ADDRESS] and feel isolated.",
    ),
    (
        "Send the letter to 14 Kestrel Close, Leeds LS6 2AB please.",
        ["Kestrel Close", "LS6 2AB"],
        "Send the letter to [ADDRESS] please.",
    ),
    (
        "We met at 221B Baker Street on May 3rd.",
        ["221B Baker Street", "May 3rd"],
        "We met at [ADDRESS] on [DATE].",
    ),
    (
        "My MRN 12345678 is on the discharge form.",
        ["12345678"],
        "My MRN [ID] is on the discharge form.",
    ),
    (
        "NHS number 943 476 5919, I'm scared to go back to A&E.",
        ["943 476 5919"],
        "NHS number [ID], I'm scared to go back to A&E.",
    ),
    (
        "My SSN is 078-05-1120 but I don't want it on the form.",
        ["078-05-1120"],
        "My SSN is [ID] but I don't want it on the form.",
    ),
    (
        "My patient ID is PT-00482913 and my hospital number: H7734521.",
        ["PT-00482913", "H7734521"],
        "My patient ID is [ID] and my hospital number: [ID].",
    ),
    (
        "Insurance member number 88-4412-907 was declined.",
        ["88-4412-907"],
        "Insurance member number [ID] was declined.",
    ),
    (
        "Born on 3 April 1985, I have struggled with low mood for years.",
        ["3 April 1985"],
        "Born on [DATE], I have struggled with low mood for years.",
    ),
    (
        "The crisis plan is at https://portal.example.org/plan?id=77 and I read it.",
        ["portal.example.org"],
        "The crisis plan is at [URL] and I read it.",
    ),
    (
        "My therapist Dr. Alvarez said I should write down when I feel hopeless.",
        ["Alvarez"],
        "My therapist Dr. [NAME] said I should write down when I feel hopeless.",
    ),
    (
        "Dear Dr Hutchins,\nI have been sleeping badly.\nThanks,\nEleanor Vance",
        ["Hutchins", "Eleanor", "Vance"],
        "Dear Dr [NAME],\nI have been sleeping badly.\nThanks,\n[NAME]",
    ),
    (
        "I saw Dr. Mbeki on March 3rd, 2024 and she changed my sertraline dose.",
        ["Mbeki", "March 3rd, 2024"],
        "I saw Dr. [NAME] on [DATE] and she changed my sertraline dose.",
    ),
    (
        "my sister Aoife is staying with me this week; Aoife thinks I should call.",
        ["Aoife"],
        "my sister [NAME] is staying with me this week; [NAME] thinks I should call.",
    ),
    (
        "Sarah told me to stop texting her.",
        ["Sarah"],
        "[NAME] told me to stop texting her.",
    ),
    (
        "I was born on 3 May 1990 in Boston.",
        ["3 May 1990", "Boston"],
        "I was born on [DATE] in [PLACE].",
    ),
    (
        "My grandmother is 94 years old and lives in Cook County.",
        ["94", "Cook County"],
        "My grandmother is [AGE] and lives in [PLACE].",
    ),
    (
        "The login came from 192.168.14.201 and my zip code is 02139.",
        ["192.168.14.201", "02139"],
        "The login came from [IP] and my zip code is [PLACE].",
    ),
    (
        "My car's VIN is 1HGCM82633A004352 and the plate number was AB12 CDE.",
        ["1HGCM82633A004352", "AB12 CDE"],
        "My car's VIN is [ID] and the plate number was [ID].",
    ),
    (
        "My PHQ-9 was 19 on 3/4 and 12 since 11/28.",
        ["3/4", "11/28"],
        "My PHQ-9 was 19 on [DATE] and 12 since [DATE].",
    ),
    (
        "I MISS LINDA DUNN SO MUCH.",
        ["LINDA", "DUNN"],
        "I MISS [NAME] SO MUCH.",
    ),
]

NO_PHI_MESSAGES = [
    "I feel hopeless and had an overdose two weeks ago. PHQ-9 score 14, GAD-7 11.",
    "I've been anxious since the appointment on Tuesday. Sleeping 4 hours a night.",
    "I had a panic attack at work and took 2 mg lorazepam.",
    "Scored 22 on the PHQ-9 and 15 on the GAD-7. I'm not sleeping.",
    "Things got worse after Christmas. I don't want to self-harm again.",
    "I'm feeling a bit better since starting CBT in week 3 of the programme.",
    "Can I move my 10:30 appointment to next Thursday? My score was 9/27.",
    "The voices are back and I haven't eaten in 2 days. Please help.",
    "I am Bipolar II and currently depressed; I am Muslim and fasting makes it worse.",
    "I'm on 20 mg Fluoxetine since 2019 and went to A&E at 3am. Mood 3/10 today.",
    "Hey, Ion know what to do anymore. Finna skip my appointment, deadass.",
    "Hi, Is anyone there?",
    "My mood is 3/10 and I scored 9/27 on the PHQ-9.",
    "Hello, Can someone help me tonight?",
    "May I ask about my sertraline dose? I feel worse every Monday.",
    "I moved to Texas last year. Mark my words, I will not go back.",
    "I'M SO NUMB AND I CAN'T STOP SHAKING. THE VOICES CAME BACK LAST NIGHT.",
]

CLINICAL_WORDS = ["hopeless", "overdose", "appointment", "PHQ-9 score 14", "sertraline"]


def _ids(cases):
    return [case[0][:40] for case in cases]


@pytest.mark.parametrize(("message", "identifiers", "expected"), PHI_CASES, ids=_ids(PHI_CASES))
def test_identifiers_are_removed_and_tagged(message, identifiers, expected):
    redacted = redact(message)
    assert redacted.text == expected
    for value in identifiers:
        assert value not in redacted.text
        assert value not in repr(redacted)


@pytest.mark.parametrize(("message", "identifiers", "expected"), PHI_CASES, ids=_ids(PHI_CASES))
def test_spans_point_at_the_tags(message, identifiers, expected):
    redacted = redact(message)
    assert redacted.spans
    for span in redacted.spans:
        assert redacted.text[span.start : span.end] == tag(span.kind)
    assert [span.start for span in redacted.spans] == sorted(span.start for span in redacted.spans)


def test_kinds_of_a_message_with_everything():
    message = (
        "Hi, this is Maria Delgado, DOB 03/14/1987, MRN 48213377. Call me at (415) 555-0142 "
        "or maria.delgado@example.org. I live at 42 Larkspur Lane, Springfield, IL 62704. "
        "See www.example.com/notes. I feel hopeless since the overdose; PHQ-9 score 14."
    )
    redacted = redact(message)
    assert redacted.kinds == (
        PhiKind.NAME,
        PhiKind.DATE,
        PhiKind.ID,
        PhiKind.PHONE,
        PhiKind.EMAIL,
        PhiKind.ADDRESS,
        PhiKind.URL,
    )
    assert redacted.text.endswith("I feel hopeless since the overdose; PHQ-9 score 14.")


@pytest.mark.parametrize("message", NO_PHI_MESSAGES)
def test_message_without_phi_is_unchanged(message):
    assert redact(message) == Redacted(text=message, spans=())


def test_clinical_words_survive_next_to_identifiers():
    message = (
        "Priya here (my name is Priya Raman): I feel hopeless, took an overdose on 2 May, "
        "missed my appointment, PHQ-9 score 14, now on sertraline. MRN 48213377."
    )
    redacted = redact(message)
    for word in CLINICAL_WORDS:
        assert word in redacted.text
    assert "Priya" not in redacted.text and "48213377" not in redacted.text


@pytest.mark.parametrize("message", [case[0] for case in PHI_CASES] + NO_PHI_MESSAGES)
def test_redaction_is_idempotent(message):
    once = redact(message)
    twice = redact(once.text)
    assert twice.text == once.text
    assert twice.spans == ()


def test_disabled_returns_the_text_unchanged():
    message = PHI_CASES[0][0]
    assert redact(message, enabled=False) == Redacted(text=message, spans=())


def test_result_is_frozen():
    redacted = redact(PHI_CASES[0][0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        redacted.text = PHI_CASES[0][0]


@pytest.mark.parametrize("value", [None, 42, ["a list of messages"]])
def test_non_text_is_refused(value):
    with pytest.raises(InputError) as info:
        redact(value)
    assert str(info.value) == MSG_NOT_TEXT.format(kind=type(value).__name__)


def test_long_capitalised_word_after_a_cue_takes_linear_time():
    # a name pattern that could split the word many ways would take hours here
    message = "Thanks, A" + "b" * 60 + " for the appointment"
    started = time.perf_counter()
    assert redact(message).text == message
    assert time.perf_counter() - started < 2


def test_find_phi_points_at_the_identifiers_in_the_original_text():
    message = "Sarah's MRN 48213377 was read out in Chicago."
    found = find_phi(message)
    assert [(span.kind, message[span.start : span.end]) for span in found] == [
        (PhiKind.NAME, "Sarah"),
        (PhiKind.ID, "48213377"),
        (PhiKind.PLACE, "Chicago"),
    ]

"""First-run content for any installation: the specialties, the library's first articles and
the two training modules ("Advocate essentials" gates advocate verification).

`seed_library()` is idempotent and can be run on a fresh production database too
(`manage.py seed_library`): it only creates what is missing and never overwrites an article
staff have since edited.
"""

from django.db import transaction
from django.utils.translation import gettext_noop

from community.models import (
    Article,
    CheckChoice,
    CheckQuestion,
    ModuleArticle,
    Specialty,
    TrainingModule,
)
from community.services.perspectives import sync_sections

SPECIALTIES = [
    # The names are translated where they are shown (Specialty.display_name).
    (
        "counselling",
        gettext_noop("Counselling"),
        "Emotional support after harassment, and help to cope.",
    ),
    (
        "legal",
        gettext_noop("Legal"),
        "Your rights at work, evidence, deadlines and formal complaints.",
    ),
    (
        "career",
        gettext_noop("Career"),
        "Staying, moving on, references, and rebuilding confidence.",
    ),
]

ARTICLES = {
    "documenting-incidents": (
        "Documenting incidents",
        "How to keep a record that helps you later, without putting yourself at risk.",
        """\
A clear record is one of the most useful things you can have if you decide to report,
ask for a transfer, take legal advice or simply explain what happened to someone you trust.
You do not have to decide anything now to start one.

### Write it down soon
Write each incident down as soon as you safely can, while details are fresh. Include:

- **When and where**: date, time, place, or the meeting, chat or channel.
- **What happened**: the words used, as exactly as you remember them, and what was done.
- **Who was there**: people involved and anyone who saw or heard it (possible witnesses).
- **How it affected you**: at work and outside it, including sleep, health, or time off.
- **What you did next**: who you told, what they said, and when.

Stick to facts you observed. Mark clearly what you were told by someone else.

### Keep the evidence
- Save emails, chat messages and screenshots, with the date and the sender visible.
- Keep copies of performance reviews, schedules or assignments if they changed after
  you objected or reported: a sudden change can be a sign of retaliation.
- Keep notes of any medical or counselling visits related to what happened.

### Keep it safe
- Do not rely only on a work laptop, work email or work cloud account: you can lose
  access suddenly, and they may be monitored. Check your employer's policy and local
  law before copying company documents; when unsure, ask a legal advocate first.
- Your private Kindred journal is encrypted and visible to you alone. You can export it
  and share single entries with an advocate when you choose.

### A short template
> On [date] at about [time], in [place], [person] said/did [...]. [Witness] was present.
> Afterwards I [...]. It affected me by [...].

Even a few lines per incident, kept consistently, build a pattern that is hard to dismiss.
""",
    ),
    "bystander-intervention": (
        "Bystander intervention: the five Ds",
        "Five safe ways to help when you see someone being harassed at work.",
        """\
Most harassment happens in front of other people. A bystander who acts, even in a small
way, can stop it, support the person targeted, and show that it is not acceptable here.
You do not need to be confrontational. Pick the option that is safe for you and for them.

### 1. Distract
Interrupt the situation without mentioning the harassment: ask the targeted person a
work question, invite them to get a coffee, "accidentally" join the conversation, or
move the meeting on to the next item. The goal is to break the moment.

### 2. Delegate
Get help from someone with more authority or better placed to act: a manager, a
moderator, HR, security, or a colleague the harasser respects. Ask the targeted person
first if you can, so that help goes where they want it.

### 3. Document
If someone is already helping, you can write down or record what you see: date, time,
place, what was said. **Always give the record to the targeted person** and let them
decide what to do with it. Never post it publicly without their consent.

### 4. Delay
If you could not act in the moment, act afterwards. Check in: "I saw what happened in
that meeting. Are you OK? Is there anything I can do?" Offer to be a witness. This
matters more than people think: being believed reduces the harm.

### 5. Direct
Speak up directly, briefly and calmly, if it is safe: "That's not OK." "Please stop."
"Let's keep this professional." Address the behaviour, not the person, and do not get
drawn into a debate. Then turn your attention to the person targeted.

### Remember
- Your safety comes first. Distract, delegate and delay are always available.
- Follow the targeted person's lead. Helping does not mean taking over.
- Retaliation against people who speak up or report is itself a violation.
""",
    ),
    "safe-video-calls": (
        "Staying safe in video calls",
        "Settings and habits that keep uninvited people out of online meetings and groups.",
        """\
Harassers use open meeting links to join, disrupt or record. Whoever hosts a call can
prevent most of it. These habits apply to any video or voice tool, and to Kindred's
own live rooms.

### Before the call
- **Require a password or a login.** Never share a meeting that anyone with the link
  can join.
- **Use a unique meeting id** for each meeting, not your personal, permanent room.
- **Limit sharing.** Send the link privately to the people invited, not on public
  channels or social media.
- **Restrict screen sharing and chat** to the host, or to named presenters, by default.
- **Use a waiting room** so the host admits each person.

### During the call
- **Check the attendees.** Compare the participant list with who was invited. Ask
  unknown names to identify themselves.
- **Remove uninvited guests** at once, and block them from re-joining.
- **Lock the meeting** once everyone expected has arrived.
- **Keep chat and file sharing limited** to what the meeting needs.

### If something goes wrong
- **End the meeting for all** rather than just leaving: leaving can hand control to
  someone else.
- **Report at once**: to the meeting organiser, to your platform's abuse reporting, and,
  in Kindred, to the moderators with the flag control. Note the time and any names
  shown, and save the chat if you can.
- Check on the people who were targeted afterwards.

In Kindred, live rooms are for group members only, invite links are unguessable, and
moderators can lock a room, slow it down, limit links, and remove or ban people.
""",
    ),
    "zero-tolerance-policy": (
        "What a zero-tolerance policy contains",
        "The parts of a workplace anti-harassment policy that make it work in practice.",
        """\
"Zero tolerance" means every report is taken seriously and acted on, not that every
incident gets the same punishment. A policy that works in practice contains:

### A clear statement and scope
- A plain commitment from leadership that harassment, discrimination and retaliation
  are not tolerated.
- Who it covers: employees at every level, contractors, interns, clients and vendors;
  and where: offices, remote work, chats, video calls, travel and work events.

### Definitions with examples
What counts as harassment, sexual harassment, discrimination, bullying and retaliation,
with concrete examples, including online behaviour.

### Several ways to report
- More than one channel, so nobody has to report to the person harassing them: a
  manager, HR, a named contact, and ideally an independent or anonymous option.
- Reports can be made by the person targeted or by a witness.

### A fair, prompt process
- What happens after a report, who investigates, and typical timelines.
- Confidentiality: information shared only with those who need it.
- Both sides are heard; outcomes are recorded and communicated.

### Protection from retaliation
Retaliation against anyone who reports, supports a report or serves as a witness is a
separate violation, with its own consequences.

### Consequences
A range of proportionate sanctions, from warning to dismissal, applied consistently
whatever the person's seniority.

### Support, training and review
- Support for people affected: counselling, adjustments, time off, and outside resources.
- Regular training for all staff, with extra training for managers and investigators,
  including bystander intervention.
- The policy is reviewed regularly, and anonymised data on reports is tracked.
""",
    ),
    "crisis-lines": (
        "Where to find crisis lines",
        "If you are in danger or thinking about hurting yourself, help is available now.",
        """\
If you are thinking about hurting yourself, or you are not safe right now, please reach
out **now**. You do not have to wait for an advocate or explain everything first.

### If you are in immediate danger
Call your local emergency number: **112** in the European Union and many other
countries, **911** in the United States and Canada, **999** in the United Kingdom,
**000** in Australia.

### Crisis lines
- **United States:** call or text **988** (Suicide & Crisis Lifeline), available at
  any hour.
- **United Kingdom and Ireland:** Samaritans, free on **116 123**, at any hour.
- **Other countries:** the directory at https://findahelpline.com lists free and
  confidential helplines by country and topic. Your doctor or local health service can
  also point you to one.

### Good to know
- Crisis lines are free and confidential. You can call just to talk.
- If speaking is hard, many services offer text or chat.
- If you are worried that someone can see your browsing, use the quick exit at the top
  of every page, and a private window.

Our advocates are peers and professionals who help with workplace harassment; they are
not an emergency service. If you asked for urgent help, please use the lines above too.
""",
    ),
    "supporting-someone": (
        "Supporting someone who asks for help",
        "For advocates: listening, boundaries, privacy and knowing when to refer.",
        """\
People who reach out after harassment often fear not being believed. How the first
answer feels shapes whether they keep asking for help.

### Listen first
- Thank them for reaching out. Believe them; it is not your role to judge the facts.
- Ask open questions: "What would help most right now?"
- Do not push for details they do not offer.

### Respect their privacy
- Members may use a one-off alias. Never try to find out who they are or where they work.
- Do not move the conversation to other channels or ask for contact details.
- Keep what you learn to yourself unless they ask you to act.

### Know your limits
- Stay within your specialty and your training. Hand over to another advocate when a
  request needs a different kind of help, or when you are at capacity.
- If someone mentions hurting themselves, share crisis lines at once and encourage them
  to contact one; do not handle a crisis alone.

### Look after yourself
Pause your availability when you need to. A rested advocate helps more people.
""",
    ),
}

MODULES = {
    "advocate-essentials": {
        "title": "Advocate essentials",
        "description": "Required before staff can verify you as an advocate: how to support "
        "people safely, protect their privacy, and recognise a crisis.",
        "required": True,
        "articles": ["supporting-someone", "documenting-incidents", "crisis-lines"],
        "questions": [
            (
                "A member asks for help using an alias. What do you do?",
                [
                    ("Ask which team they work in, to understand them better.", False),
                    ("Help them as they are, without trying to identify them.", True),
                    ("Search the groups for posts that might be theirs.", False),
                ],
            ),
            (
                "An urgent request mentions self-harm. What comes first?",
                [
                    ("Share crisis lines at once and encourage them to contact one.", True),
                    ("Wait until you have time for a long conversation.", False),
                    ("Close the request, because it is outside your specialty.", False),
                ],
            ),
            (
                "You are at capacity and a new request arrives in your specialty.",
                [
                    ("Accept it anyway and answer when you can.", False),
                    (
                        "Leave it for an available advocate, or hand over work you cannot hold.",
                        True,
                    ),
                ],
            ),
        ],
    },
    "bystander-basics": {
        "title": "Bystander basics",
        "description": "Open to every member: how to help safely when you see harassment at "
        "work, in person or online.",
        "required": False,
        "articles": ["bystander-intervention", "safe-video-calls", "documenting-incidents"],
        "questions": [
            (
                "Which of these is one of the five Ds of bystander intervention?",
                [
                    ("Debate", False),
                    ("Delegate", True),
                    ("Disclose", False),
                ],
            ),
            (
                "You documented harassment you witnessed. What do you do with the record?",
                [
                    ("Post it online so everyone knows.", False),
                    ("Give it to the person targeted; they decide what happens.", True),
                ],
            ),
            (
                "An uninvited guest disrupts a video call you host. What do you do?",
                [
                    ("Leave the call yourself.", False),
                    ("Ignore them so they lose interest.", False),
                    ("Remove them at once, and end the meeting for all if needed.", True),
                ],
            ),
        ],
    },
}


def ensure_specialties() -> dict[str, Specialty]:
    specialties = {}
    for slug, name, description in SPECIALTIES:
        specialties[slug], _created = Specialty.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    return specialties


@transaction.atomic
def seed_library() -> None:
    ensure_specialties()
    articles = {}
    for slug, (title, summary, body) in ARTICLES.items():
        articles[slug], _created = Article.objects.get_or_create(
            slug=slug, defaults={"title": title, "summary": summary, "body": body}
        )
        sync_sections(article=articles[slug])
    for slug, spec in MODULES.items():
        module, created = TrainingModule.objects.get_or_create(
            slug=slug,
            defaults={
                "title": spec["title"],
                "description": spec["description"],
                "required_for_advocates": spec["required"],
            },
        )
        if not created:
            continue
        for position, article_slug in enumerate(spec["articles"], start=1):
            ModuleArticle.objects.create(
                module=module, article=articles[article_slug], position=position
            )
        for position, (prompt, choices) in enumerate(spec["questions"], start=1):
            question = CheckQuestion.objects.create(module=module, position=position, prompt=prompt)
            CheckChoice.objects.bulk_create(
                [
                    CheckChoice(question=question, position=number, text=text, is_correct=correct)
                    for number, (text, correct) in enumerate(choices, start=1)
                ]
            )

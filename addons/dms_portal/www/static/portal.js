// Dealer portal: progressive enhancements only, every page works without it
document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.querySelector('.menu-toggle');
    var nav = document.getElementById('nav');
    if (toggle && nav) {
        toggle.addEventListener('click', function () {
            var open = nav.classList.toggle('open');
            toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        });
    }
    // Reload the form when a select says so (the provinces of a country)
    document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
        select.addEventListener('change', function () {
            select.form.submit();
        });
    });
    // Ask before forms that say so (data-confirm)
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
        form.addEventListener('submit', function (event) {
            if (!window.confirm(form.getAttribute('data-confirm'))) {
                event.preventDefault();
            }
        });
    });
    // The conversation panel: the new messages appear without reloading
    var messages = document.getElementById('chat-messages');
    if (messages && messages.getAttribute('data-poll') && window.fetch) {
        var poll = function () {
            if (document.hidden) {
                return;
            }
            var items = messages.querySelectorAll('li[data-id]');
            var last = items.length ?
                items[items.length - 1].getAttribute('data-id') : '0';
            fetch(messages.getAttribute('data-poll') + '?after=' + last,
                {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
                .then(function (response) {
                    return response.ok ? response.json() : {messages: []};
                })
                .then(function (data) {
                    data.messages.forEach(function (message) {
                        if (messages.querySelector('li[data-id="' + message.id + '"]')) {
                            return;
                        }
                        var item = document.createElement('li');
                        item.className = 'message ' + message.side;
                        item.setAttribute('data-id', message.id);
                        var author = document.createElement('span');
                        author.className = 'author';
                        author.textContent = message.author;
                        var time = document.createElement('time');
                        time.className = 'muted';
                        time.setAttribute('datetime', message.datetime);
                        time.textContent = message.time;
                        var content = document.createElement('p');
                        content.className = 'content';
                        content.textContent = message.content;
                        item.append(author, ' ', time, ' ', content);
                        messages.appendChild(item);
                        messages.hidden = false;
                        var empty = document.getElementById('chat-empty');
                        if (empty) {
                            empty.hidden = true;
                        }
                    });
                })
                .catch(function () {});
        };
        window.setInterval(poll, 5000);
    }
    // A bulletin shown is read: tell the factory (the form is the fallback)
    document.querySelectorAll('form[data-mark-read]').forEach(function (form) {
        var data = new FormData(form);
        data.append('ajax', '1');
        fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'})
            .then(function (response) {
                if (response.ok) {
                    form.hidden = true;
                }
            });
    });
});
